#!/usr/bin/env bash
# Installs the Python module built in BUILD_DIR (default: build) into the system Python's
# site folder (`cmake --install --component python`; ENGRAM_PYTHON_INSTALL_DIR, on Debian
# /usr/local/lib/python3.X/dist-packages), then checks `import engram` from a clean
# environment. A build without the module (ENGRAM_PYTHON=OFF, sanitizer builds) installs
# nothing and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${1:-build}"
if ! compgen -G "$BUILD_DIR/python/engram/_engram*.so" >/dev/null; then
  echo "install_python: $BUILD_DIR has no Python module; nothing installed"
  exit 0
fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
$SUDO cmake --install "$BUILD_DIR" --component python >/dev/null
where=$(cd / && env -u PYTHONPATH /usr/bin/python3 -c "import engram, os; print(os.path.dirname(engram.__file__))")
echo "install_python: import engram -> $where"
