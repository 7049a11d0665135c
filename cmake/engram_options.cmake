# Warnings, sanitizers and tuning flags shared by every target.
add_library(engram_flags INTERFACE)
target_compile_options(engram_flags INTERFACE -Wall -Wextra -Wno-unused-parameter)
if(ENGRAM_NATIVE)
  target_compile_options(engram_flags INTERFACE -march=native)
endif()
if(ENGRAM_SANITIZE)
  # -g1 (after the build type's -g, so it wins): line tables only. Reports keep file:line;
  # the instrumented build (CI's largest stage) emits far less debug information.
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -g1)
  add_link_options(-fsanitize=address,undefined)
endif()
if(ENGRAM_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()
if(ENGRAM_FUZZ)
  # Every library object gets coverage instrumentation; the fuzz mains link libFuzzer.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
