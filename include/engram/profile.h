// Where the time of a model's steps went, summed by part (seconds). Plain value type.
#pragma once

namespace engram::model {

struct StepProfile {
  double embed = 0, engram = 0, attention = 0, ffn = 0, head = 0;
  double total() const { return embed + engram + attention + ffn + head; }
};

}  // namespace engram::model
