// The native module engram._engram. Every engram::Error becomes engram.Error (a
// RuntimeError) carrying the engine's message and its code ("not found", "corruption", ...)
// as `.code`; the pure-Python package (python/engram) re-exports the classes.
#include <pybind11/pybind11.h>

#include "engram/error.h"
#include "engram/version.h"

namespace engram::py {
void bind_addressing(pybind11::module_& m);
void bind_tables(pybind11::module_& m);
void bind_train(pybind11::module_& m);
}  // namespace engram::py

PYBIND11_MODULE(_engram, m) {
  namespace pb = pybind11;
  m.doc() = "engram: Engram conditional memory (hashing, tables, stores, prefetch) from Python";
  m.attr("__version__") = ENGRAM_VERSION_STRING;

  static pb::handle error_type = [&] {
    pb::object t = pb::reinterpret_steal<pb::object>(
        PyErr_NewExceptionWithDoc("engram._engram.Error",
                                  "An engram engine error: the message names the file, field, offset or id; "
                                  "`code` is its kind (invalid argument, not found, corruption, I/O, unsupported).",
                                  PyExc_RuntimeError, nullptr));
    m.attr("Error") = t;
    return t.release();
  }();
  pb::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const engram::Error& e) {
      pb::gil_scoped_acquire gil;
      pb::object exc = pb::reinterpret_borrow<pb::object>(error_type)(e.what());
      exc.attr("code") = engram::error_code_name(e.code());
      PyErr_SetObject(error_type.ptr(), exc.ptr());
    }
  });

  engram::py::bind_addressing(m);
  engram::py::bind_tables(m);
  engram::py::bind_train(m);
}
