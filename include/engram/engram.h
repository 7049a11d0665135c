// The public C++ API of engram, in one include. Each header says what it offers, its
// thread safety and how it fails:
//   error.h       engram::Error and its ErrorCode
//   tokenizer.h   Hugging Face tokenizer.json (byte-level BPE): encode, decode
//   compression.h the tokenizer compression P: V -> V'
//   hash_config.h the multi-head n-gram hash config (the demo's EngramConfig fields)
//   addressing.h  tokenizer ids -> Engram row ids (batch and incremental)
//   store.h       table files and the ram / mmap / pread / ssd stores serving their rows
//   layer.h       one Engram layer, loaded from the demo's config and state_dict
//   train.h       training a model (MoE + Engram) from a corpus, held-out evaluation
//   generate.h    text generation from a checkpoint, tables served from a memory tier
#pragma once

#include "engram/addressing.h"
#include "engram/compression.h"
#include "engram/error.h"
#include "engram/generate.h"
#include "engram/hash_config.h"
#include "engram/layer.h"
#include "engram/store.h"
#include "engram/tokenizer.h"
#include "engram/train.h"
#include "engram/version.h"
