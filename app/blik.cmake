# The app binary, blik: the command line, the store, the demo unit, the
# translations, the window, and the screens' event loop. It finds its fonts
# and catalogues at run time from its own location (see the top level), so
# the binary holds no path of the machine it was built on.
add_executable(blik ${CMAKE_CURRENT_LIST_DIR}/main.c)
target_link_libraries(blik PRIVATE screens ui i18n platform_sdl db demo platform)
target_compile_definitions(blik PRIVATE BLIK_DATA_FROM_BIN="${BLIK_DATA_FROM_BIN}")
set_target_properties(blik PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${BLIK_BUILD_BIN})
# With sync built, the app runs the sync worker on an enrolled tablet and
# gives the screens "sync now" and enrolment through hooks (app/link).
if(BLIK_WITH_SYNC AND EXISTS ${CMAKE_SOURCE_DIR}/sync/client/CMakeLists.txt)
  add_subdirectory(${CMAKE_CURRENT_LIST_DIR}/link ${CMAKE_CURRENT_BINARY_DIR}/link)
  target_link_libraries(blik PRIVATE link)
  target_compile_definitions(blik PRIVATE BLIK_HAVE_SYNC=1)
endif()
