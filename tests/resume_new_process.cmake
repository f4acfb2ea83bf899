# 20 generator steps in one process versus 10 steps, then a new process resuming to 20: the two
# checkpoints must be the same bytes (every tensor, the RNG and data states in the metadata).
# Also: a second `train` into a used directory must fail and leave its checkpoint alone, and a
# bad argument must exit with status 2. Run by CTest as resume_new_process.
file(REMOVE_RECURSE ${WORK_DIR})
set(common --model wgan-gp --data 8gaussians --dim 128 --seed 5 --threads 2 --log-every 1)

function(run expect_rc)
  execute_process(COMMAND ${GANTRY} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL expect_rc)
    message(FATAL_ERROR "gantry ${ARGN}: exit status ${rc}, expected ${expect_rc}\n${out}\n${err}")
  endif()
  set(last_err "${err}" PARENT_SCOPE)
endfunction()

run(0 train ${common} --steps 20 --out ${WORK_DIR}/straight)
run(0 train ${common} --steps 10 --out ${WORK_DIR}/resumed)
run(0 train ${common} --steps 20 --out ${WORK_DIR}/resumed --resume)
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${WORK_DIR}/straight/checkpoint.safetensors
                        ${WORK_DIR}/resumed/checkpoint.safetensors RESULT_VARIABLE differ)
if(differ)
  message(FATAL_ERROR "resume in a new process: the checkpoints after 20 steps differ")
endif()

file(SHA256 ${WORK_DIR}/straight/checkpoint.safetensors before)
run(2 train ${common} --steps 20 --out ${WORK_DIR}/straight)
if(NOT last_err MATCHES "already holds a run")
  message(FATAL_ERROR "a second run into a used directory: unexpected message: ${last_err}")
endif()
file(SHA256 ${WORK_DIR}/straight/checkpoint.safetensors after)
if(NOT before STREQUAL after)
  message(FATAL_ERROR "a refused run changed the existing checkpoint")
endif()

run(2 train --model wgan-gp --data 8gaussians --steps x --out ${WORK_DIR}/bad)
run(0 sample --checkpoint ${WORK_DIR}/straight/checkpoint.safetensors --n 500 --out ${WORK_DIR}/points.png)
if(NOT EXISTS ${WORK_DIR}/points.png)
  message(FATAL_ERROR "gantry sample wrote no picture")
endif()
run(0 eval --checkpoint ${WORK_DIR}/straight/checkpoint.safetensors --samples 1000)
file(REMOVE_RECURSE ${WORK_DIR})
message(STATUS "resume in a new process: identical checkpoints; refused overwrite; usage errors exit 2")
