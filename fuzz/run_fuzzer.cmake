# Runs one fuzzer for SECONDS, as a ctest test: new inputs go to a working
# corpus under WORK, the seeds in SEEDS (the repository's) are only read.
# Fails if the fuzzer finds a crash, a leak or a hang; the input is then in
# WORK/artifacts.
#   cmake -DFUZZER=... -DSEEDS=... -DWORK=... -DSECONDS=... -P run_fuzzer.cmake
file(MAKE_DIRECTORY ${WORK}/corpus ${WORK}/artifacts)
if(NOT DEFINED ENV{UBSAN_OPTIONS})
  set(ENV{UBSAN_OPTIONS} print_stacktrace=1) # the stack of an undefined-behaviour report
endif()
execute_process(
  COMMAND ${FUZZER} -max_total_time=${SECONDS} -timeout=10 -print_final_stats=1
          -artifact_prefix=${WORK}/artifacts/ ${WORK}/corpus ${SEEDS}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed (${rc}): see ${WORK}/artifacts")
endif()
