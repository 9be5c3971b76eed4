# The app binary, blik: the command line, the store, the demo unit, the
# translations, the window, and the screens' event loop.
add_executable(blik ${CMAKE_CURRENT_LIST_DIR}/main.c)
target_link_libraries(blik PRIVATE screens ui i18n platform_sdl db demo platform)
target_compile_definitions(blik PRIVATE BLIK_ASSETS_DIR="${BLIK_ASSETS_DIR}")
