# The app binary, blik.
add_executable(blik ${CMAKE_CURRENT_LIST_DIR}/main.c)
target_link_libraries(blik PRIVATE db demo platform)
target_compile_definitions(blik PRIVATE BLIK_ASSETS_DIR="${BLIK_ASSETS_DIR}")
