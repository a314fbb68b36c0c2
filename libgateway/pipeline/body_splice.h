// A streamed body put back together after a stage looked at its start: the bytes already
// read (`prefix`) followed by the rest of `rest`, as one stream with backpressure. How the
// Gateway passes on a response whose body outgrew what every stage asking for it needed
// (Stage::responseBodyRequired false): the cache does not store it, the transformation leaves
// it alone, and the client still gets every byte. One thread; the returned stream owns the
// pump and `rest` (dropping it abandons `rest`).
#pragma once

#include <memory>
#include <string>

#include "libgateway/http/body_stream.h"

namespace gateway {

std::shared_ptr<BodyStream> spliceBody(std::string prefix, std::shared_ptr<BodyStream> rest);

}  // namespace gateway
