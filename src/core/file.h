// Whole-file reads and crash-safe writes (temp file, fsync, rename).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace engram {

// Reads a whole file; throws Error naming the path if it cannot.
std::string read_file(const std::string& path);

// Writes `data` to `path` atomically: a temp file beside it, fsync, rename, fsync of the
// directory. A reader sees either the old file or the new one, never a partial write.
void write_file_atomic(const std::string& path, std::string_view data);

// Copies `src` to `dst` with the same guarantee (temp file beside dst, fsync, rename).
void copy_file_atomic(const std::string& src, const std::string& dst);

// fsyncs a directory, so renames and creations inside it are durable.
void fsync_dir(const std::string& dir);

bool file_exists(const std::string& path);

}  // namespace engram
