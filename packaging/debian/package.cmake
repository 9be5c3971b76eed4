# Debian packages, made by CPack from the same install rules as
# "cmake --install", so the packages hold exactly what an install holds:
#   cmake --build BUILD --target blik blik-server
#   cpack --config BUILD/CPackConfig.cmake -B BUILD/packages
# gives blik (the tablet app), blik-server (the server and office, with its
# systemd unit and an example configuration), blik-common (catalogues and
# documents, which both need) and blik-kiosk (a boot straight into blik on
# the whole screen, under cage). dpkg-shlibdeps reads the libraries each
# program links and declares them; what no program links (cage, adduser,
# PAM's systemd module, the shared package) is declared here.
set(BLIK_DEB_DIR ${CMAKE_CURRENT_LIST_DIR})
# cpack installs what is built and builds nothing itself: without this it
# would build every target first, the tests included, where the packages
# need only blik and blik-server (the same holds for "make install").
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

# Files outside the prefix (/etc, the unit folder) belong in the packages
# only: a "cmake --install --prefix" into a folder must never write /etc.
if(TARGET blik-server)
  install(FILES ${BLIK_DEB_DIR}/blik-server.service DESTINATION /lib/systemd/system
          COMPONENT server EXCLUDE_FROM_ALL)
  install(FILES ${BLIK_DEB_DIR}/blik-server.conf.example DESTINATION /etc/blik
          COMPONENT server EXCLUDE_FROM_ALL)
endif()
if(TARGET blik)
  install(FILES ${BLIK_DEB_DIR}/blik-kiosk.service DESTINATION /lib/systemd/system
          COMPONENT kiosk EXCLUDE_FROM_ALL)
  install(FILES ${BLIK_DEB_DIR}/blik-kiosk.pam DESTINATION /etc/pam.d RENAME blik-kiosk
          COMPONENT kiosk EXCLUDE_FROM_ALL)
endif()

set(BLIK_DEB_CONTACT "The Blik project <blik@invalid>"
    CACHE STRING "Maintainer named in the Debian packages")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME blik)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/packages)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${BLIK_DEB_CONTACT}")
set(CPACK_DEBIAN_PACKAGE_SECTION education)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(blik_deb_version "${PROJECT_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE}")

set(CPACK_COMPONENTS_ALL common)
set(CPACK_DEBIAN_COMMON_PACKAGE_NAME blik-common)
set(CPACK_DEBIAN_COMMON_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_COMMON_DESCRIPTION "Blik: catalogues and documents
 The Danish and English catalogues that the Blik tablet app and the Blik
 server share, and Blik's documents: README, SECURITY, PROTOCOL, FORMATS.")

if(TARGET blik)
  list(APPEND CPACK_COMPONENTS_ALL app kiosk)
  set(CPACK_DEBIAN_APP_PACKAGE_NAME blik)
  set(CPACK_DEBIAN_APP_PACKAGE_DEPENDS "blik-common (= ${blik_deb_version})")
  set(CPACK_DEBIAN_APP_DESCRIPTION "Blik: observing practice on a shared tablet
 An offline-first tablet app with which leaders and peers in schools and
 daycare observe practice against an agreed learning focus, give feedback
 and reflect. Everything is saved on the tablet at once and synced to a Blik
 server when there is a network. Danish by default, English on request.")
  set(CPACK_DEBIAN_KIOSK_PACKAGE_NAME blik-kiosk)
  set(CPACK_DEBIAN_KIOSK_PACKAGE_ARCHITECTURE all)
  # cage refuses to start without Xwayland ("Cannot create XWayland
  # server"), and Debian's cage does not even recommend it.
  set(CPACK_DEBIAN_KIOSK_PACKAGE_DEPENDS
      "blik (= ${blik_deb_version}), cage, xwayland, libpam-systemd, adduser")
  set(CPACK_DEBIAN_KIOSK_PACKAGE_CONTROL_EXTRA
      "${BLIK_DEB_DIR}/blik-kiosk/postinst;${BLIK_DEB_DIR}/blik-kiosk/prerm;${BLIK_DEB_DIR}/blik-kiosk/postrm;${BLIK_DEB_DIR}/blik-kiosk/conffiles")
  set(CPACK_DEBIAN_KIOSK_DESCRIPTION "Blik: a tablet that boots into Blik
 At boot, the cage compositor shows blik --fullscreen on the first console
 as the user blik-kiosk, with no desktop to leave to, and starts it again
 should it stop. The tablet's store is kept in /var/lib/blik-kiosk.")
endif()

if(TARGET blik-server)
  list(APPEND CPACK_COMPONENTS_ALL server)
  set(CPACK_DEBIAN_SERVER_PACKAGE_NAME blik-server)
  set(CPACK_DEBIAN_SERVER_PACKAGE_SECTION net)
  # "admin backup" and "admin restore" run PostgreSQL's pg_dump and
  # pg_restore, which a server whose database is elsewhere has no other
  # reason to have.
  set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS
      "blik-common (= ${blik_deb_version}), adduser, postgresql-client")
  set(CPACK_DEBIAN_SERVER_PACKAGE_RECOMMENDS "postgresql")
  set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
      "${BLIK_DEB_DIR}/blik-server/postinst;${BLIK_DEB_DIR}/blik-server/prerm;${BLIK_DEB_DIR}/blik-server/postrm;${BLIK_DEB_DIR}/blik-server/conffiles")
  set(CPACK_DEBIAN_SERVER_DESCRIPTION "Blik: the sync server and Blik Office
 The server Blik's tablets sync with over HTTPS, keeping everything in
 PostgreSQL, and Blik Office, the web pages in which leaders set up units,
 people and learning focuses and read the observations. Runs as the
 systemd service blik-server under its own user, once
 /etc/blik/blik-server.conf is made from the annotated example beside it.")
endif()
include(CPack)
