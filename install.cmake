# cmake --install: the programs in bin/, the fonts (with their licence) and
# the catalogues in share/blik/, the documents in share/doc/blik/ (the
# GNUInstallDirs folders under the prefix). The installed blik finds its
# data from its own location, as it does in the build tree.
# Each rule names the Debian package it goes into (packaging/debian):
# app (blik), server (blik-server), common (blik-common: the catalogues
# and documents both need, which two packages cannot both own).
if(TARGET blik)
  install(TARGETS blik RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT app)
  install(FILES ${BLIK_ASSETS_DIR}/fonts/NotoSans-Regular.ttf
                ${BLIK_ASSETS_DIR}/fonts/NotoSans-Bold.ttf
                ${BLIK_ASSETS_DIR}/fonts/OFL.txt
          DESTINATION ${BLIK_INSTALL_DATA}/fonts COMPONENT app)
endif()
if(TARGET blik-server)
  install(TARGETS blik-server RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT server)
  install(DIRECTORY ${BLIK_ASSETS_DIR}/office/ DESTINATION ${BLIK_INSTALL_DATA}/office
          COMPONENT server)
endif()
if(TARGET blik OR TARGET blik-server)
  install(FILES ${BLIK_ASSETS_DIR}/po/da.po ${BLIK_ASSETS_DIR}/po/en.po
          DESTINATION ${BLIK_INSTALL_DATA}/po COMPONENT common)
endif()
install(FILES README.md SECURITY.md sync/PROTOCOL.md sync/FORMATS.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT common)
include(packaging/debian/package.cmake)
