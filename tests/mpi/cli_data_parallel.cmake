# `mpirun -np 2 gantry train` as a user runs it (CTest: cli_data_parallel): one run on two
# processes prints once and writes one run directory; resumed on two processes it continues bit
# for bit; a checkpoint of two processes continues in one; a batch that does not split over the
# processes is refused on both, by name. MPIEXEC is mpirun with its flags (a ;-list).
file(REMOVE_RECURSE ${WORK_DIR})
set(common --model wgan-gp --data 8gaussians --dim 128 --seed 5 --log-every 1)

function(run expect_rc)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL expect_rc)
    message(FATAL_ERROR "${ARGN}: exit status ${rc}, expected ${expect_rc}\n${out}\n${err}")
  endif()
  set(last_out "${out}" PARENT_SCOPE)
  set(last_err "${err}" PARENT_SCOPE)
endfunction()

run(0 ${MPIEXEC} ${GANTRY} train ${common} --steps 6 --out ${WORK_DIR}/straight)
string(REGEX MATCHALL "trained 6 steps" lines "${last_out}")
list(LENGTH lines n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "two processes: expected one 'trained 6 steps' line (rank 0's), found ${n}:\n${last_out}")
endif()

run(0 ${MPIEXEC} ${GANTRY} train ${common} --steps 3 --out ${WORK_DIR}/resumed)
file(COPY ${WORK_DIR}/resumed/ DESTINATION ${WORK_DIR}/one)
run(0 ${MPIEXEC} ${GANTRY} train ${common} --steps 6 --out ${WORK_DIR}/resumed --resume)
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${WORK_DIR}/straight/checkpoint.safetensors
                        ${WORK_DIR}/resumed/checkpoint.safetensors RESULT_VARIABLE differ)
if(differ)
  message(FATAL_ERROR "two processes resumed by two: the checkpoints after 6 steps differ")
endif()

# Two processes' checkpoint, continued by one: the same run (up to rounding), so it just goes on.
run(0 ${GANTRY} train ${common} --steps 6 --out ${WORK_DIR}/one --resume)
file(STRINGS ${WORK_DIR}/one/log.jsonl records REGEX "\"step\": *6")
if(NOT records)
  message(FATAL_ERROR "one process resuming two processes' run: no record of step 6 in its log")
endif()

run(1 ${MPIEXEC} ${GANTRY} train ${common} --steps 2 --set batch_size=255 --out ${WORK_DIR}/odd)
if(NOT last_err MATCHES "does not split evenly over 2 processes")
  message(FATAL_ERROR "a batch of 255 on two processes: unexpected message:\n${last_err}")
endif()
