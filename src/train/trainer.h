// The training loop: batches from a token file, forward/backward, AdamW + lazy Adam,
// periodic held-out evaluation, atomic checkpoints, a metrics log (JSON lines), a loss
// curve (SVG) and a progress bar. Resuming from a checkpoint reproduces the loss curve of
// an uninterrupted run (stateless batch sampling, moments and routing biases restored).
#pragma once

#include "engram/train.h"
#include "model/transformer.h"
#include "train/optimizer.h"
#include "train/store_table.h"

namespace engram::train {

// The vocabulary train() gives a model on this corpus: its distinct token ids (the corpus
// is tokenized once into <data>.engtok). For parameter counts before training (engram
// experiment's iso-parameter check).
int64_t corpus_vocab_size(const std::string& data_path, const std::string& tokenizer_path);

}  // namespace engram::train
