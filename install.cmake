# cmake --install: the programs in bin/, the fonts (with their licence) and
# the catalogues in share/blik/, the documents in share/doc/blik/ (the
# GNUInstallDirs folders under the prefix). The installed blik finds its
# data from its own location, as it does in the build tree.
if(TARGET blik)
  install(TARGETS blik RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(FILES ${BLIK_ASSETS_DIR}/fonts/NotoSans-Regular.ttf
                ${BLIK_ASSETS_DIR}/fonts/NotoSans-Bold.ttf
                ${BLIK_ASSETS_DIR}/fonts/OFL.txt
          DESTINATION ${BLIK_INSTALL_DATA}/fonts)
  install(FILES ${BLIK_ASSETS_DIR}/po/da.po ${BLIK_ASSETS_DIR}/po/en.po
          DESTINATION ${BLIK_INSTALL_DATA}/po)
endif()
if(TARGET blik-server)
  install(TARGETS blik-server RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(FILES ${BLIK_ASSETS_DIR}/po/da.po ${BLIK_ASSETS_DIR}/po/en.po
          DESTINATION ${BLIK_INSTALL_DATA}/po)
  install(DIRECTORY ${BLIK_ASSETS_DIR}/office/ DESTINATION ${BLIK_INSTALL_DATA}/office)
endif()
install(FILES README.md SECURITY.md sync/PROTOCOL.md sync/FORMATS.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
