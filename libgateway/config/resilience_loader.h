// Loading of the resilience parts of a config: a service's circuit_breaker,
// outlier_detection, concurrency and retry_budget, and a route's retry. Each reports every
// problem with its JSON path into `errors` (config_loader.h drives them). Free functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "libgateway/config/config.h"
#include "libgateway/config/json_reader.h"

namespace gateway {

void loadCircuitBreaker(const nlohmann::json& value, const std::string& path, CircuitBreakerConfig& out,
                        FieldErrors& errors);
void loadOutlierDetection(const nlohmann::json& value, const std::string& path, OutlierDetectionConfig& out,
                          FieldErrors& errors);
void loadConcurrency(const nlohmann::json& value, const std::string& path, ConcurrencyConfig& out, FieldErrors& errors);
// `false` disables the budget; an object sets percent and min_concurrency.
void loadRetryBudget(const nlohmann::json& value, const std::string& path, RetryBudgetConfig& out, FieldErrors& errors);
void loadRetry(const nlohmann::json& value, const std::string& path, RetryConfig& out, FieldErrors& errors);

// A list of statuses: integers 100-599 and classes "4xx" / "5xx".
bool loadStatusSet(const nlohmann::json& value, const std::string& path, StatusSet& out, FieldErrors& errors);

}  // namespace gateway
