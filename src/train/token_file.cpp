#include "train/token_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "core/error.h"
#include "core/mix.h"
#include "core/file.h"
#include "core/progress.h"
#include "engram/tokenizer.h"

namespace engram::train {

namespace {
constexpr char kMagic[8] = {'E', 'N', 'G', 'T', 'O', 'K', '0', '1'};
constexpr size_t kHeader = 32;
}  // namespace

TokenFile::TokenFile(TokenFile&& o) noexcept { *this = std::move(o); }
TokenFile& TokenFile::operator=(TokenFile&& o) noexcept {
  std::swap(map_, o.map_);
  std::swap(map_size_, o.map_size_);
  std::swap(data_, o.data_);
  std::swap(n_, o.n_);
  return *this;
}
TokenFile::~TokenFile() {
  if (map_) ::munmap(map_, map_size_);
}

TokenFile TokenFile::open(const std::string& path, uint64_t tokenizer_hash) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(errno_code(errno), "cannot open token file '" + path + "'");
  struct stat st {};
  ::fstat(fd, &st);
  const size_t size = static_cast<size_t>(st.st_size);
  if (size < kHeader) {
    ::close(fd);
    throw Error(ErrorCode::kCorruption, path + ": token file truncated (" + std::to_string(size) + " bytes, header needs 32)");
  }
  void* m = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (m == MAP_FAILED) throw Error("cannot map token file '" + path + "'");
  TokenFile f;
  f.map_ = m;
  f.map_size_ = size;
  const auto* b = static_cast<const unsigned char*>(m);
  if (std::memcmp(b, kMagic, 8) != 0) throw Error(ErrorCode::kCorruption, path + ": not a token file (bad magic at offset 0)");
  uint64_t n, tok_hash, data_hash;
  std::memcpy(&n, b + 8, 8);
  std::memcpy(&tok_hash, b + 16, 8);
  std::memcpy(&data_hash, b + 24, 8);
  if (n > (size - kHeader) / 4 || kHeader + n * 4 != size)
    throw Error(ErrorCode::kCorruption, path + ": header says " + std::to_string(n) + " tokens but the file holds " +
                std::to_string((size - kHeader) / 4));
  if (tok_hash != tokenizer_hash)
    throw Error(path + ": made with another tokenizer.json (hash mismatch at offset 16)\n---> HINT: delete it to re-tokenize");
  if (fnv1a64(b + kHeader, n * 4) != data_hash) throw Error(ErrorCode::kCorruption, path + ": token data checksum mismatch (offset 24)");
  f.data_ = reinterpret_cast<const uint32_t*>(b + kHeader);
  f.n_ = n;
  return f;
}

void TokenFile::write(const std::string& path, std::span<const uint32_t> ids, uint64_t tokenizer_hash) {
  std::string out(kHeader + ids.size() * 4, '\0');
  std::memcpy(out.data(), kMagic, 8);
  const uint64_t n = ids.size();
  std::memcpy(out.data() + 8, &n, 8);
  std::memcpy(out.data() + 16, &tokenizer_hash, 8);
  if (!ids.empty()) std::memcpy(out.data() + kHeader, ids.data(), out.size() - kHeader);
  const uint64_t h = fnv1a64(out.data() + kHeader, ids.size() * 4);
  std::memcpy(out.data() + 24, &h, 8);
  write_file_atomic(path, out);
}

std::string ensure_token_file(const std::string& data_path, const std::string& tokenizer_path) {
  const std::string tok_bytes = read_file(tokenizer_path);
  const uint64_t th = fnv1a64(tok_bytes.data(), tok_bytes.size());
  // A token file given directly.
  {
    int fd = ::open(data_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(errno_code(errno), "cannot open data file '" + data_path + "'");
    char head[8] = {};
    const ssize_t got = ::read(fd, head, 8);
    ::close(fd);
    if (got == 8 && std::memcmp(head, kMagic, 8) == 0) {
      TokenFile::open(data_path, th);
      return data_path;
    }
  }
  const std::string out = data_path + ".engtok";
  if (file_exists(out)) {
    try {
      TokenFile::open(out, th);
      return out;
    } catch (const Error&) {
      // stale or damaged: tokenize again below
    }
  }
  const std::string text = read_file(data_path);
  Tokenizer tok = Tokenizer::from_json(tok_bytes, tokenizer_path);
  std::vector<uint32_t> ids;
  ids.reserve(text.size() / 3);
  Progress bar("tokenize", text.size(), "B");
  // Encode line by line (lines keep their newline) so progress can be shown; pre-tokens
  // never span a newline in byte-level BPE regexes... except runs of whitespace, so split
  // only after a newline that is followed by a non-space character.
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = pos + (1 << 16);
    while (end < text.size() && !(text[end - 1] == '\n' && text[end] != '\n' && text[end] != ' ' &&
                                  text[end] != '\r' && text[end] != '\t'))
      ++end;
    if (end > text.size()) end = text.size();
    for (int32_t id : tok.encode(std::string_view(text).substr(pos, end - pos))) ids.push_back(static_cast<uint32_t>(id));
    pos = end;
    bar.update(pos);
  }
  bar.finish();
  TokenFile::write(out, ids, th);
  return out;
}

}  // namespace engram::train
