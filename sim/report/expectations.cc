#include "sim/report/expectations.h"

#include "sim/scenario/scenario.h"

namespace gwsim {

void checkExpectations(const std::vector<Expectation>& expectations, RunResult& result) {
  for (const auto& e : expectations) {
    ExpectationResult er{e.text, result.metric(e.metric, e.labels), false};
    if (er.actual) {
      const double a = *er.actual, v = e.value;
      er.passed = e.op == "<" ? a < v : e.op == "<=" ? a <= v : e.op == ">" ? a > v : e.op == ">=" ? a >= v
                : e.op == "==" ? a == v : a != v;
    }
    result.expectations.push_back(std::move(er));
  }
}

}  // namespace gwsim
