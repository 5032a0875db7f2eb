# Swagger UI, the API explorer at /docs: swagger-ui-dist from npm's registry, pinned by the integrity
# hash npm publishes for it, fetched once per build tree and embedded in the binary, so nothing is
# loaded from elsewhere at run time. Sets REGENT_SWAGGER_UI_FILES to the files to embed.
set(REGENT_SWAGGER_UI_VERSION 5.35.0)
set(REGENT_SWAGGER_UI_SHA512
    534eaba4cb56f55dd73c638179a993512af4674f63317e0826e00da44fc465b021c341bc0a0c2bcd4e18997927fe1d3008336c5dd19aad334d1c2dec53cc9551)
set(_ui ${CMAKE_BINARY_DIR}/docs-ui)
set(_tgz ${CMAKE_BINARY_DIR}/swagger-ui-dist-${REGENT_SWAGGER_UI_VERSION}.tgz)
set(_names swagger-ui-bundle.js swagger-ui.css LICENSE NOTICE)
if(NOT EXISTS ${_ui}/${REGENT_SWAGGER_UI_VERSION}.stamp)
  message(STATUS "Fetching swagger-ui-dist ${REGENT_SWAGGER_UI_VERSION} from registry.npmjs.org")
  file(DOWNLOAD https://registry.npmjs.org/swagger-ui-dist/-/swagger-ui-dist-${REGENT_SWAGGER_UI_VERSION}.tgz ${_tgz}
       EXPECTED_HASH SHA512=${REGENT_SWAGGER_UI_SHA512} TLS_VERIFY ON STATUS _status)
  list(GET _status 0 _code)
  if(NOT _code EQUAL 0)
    message(FATAL_ERROR "could not fetch swagger-ui-dist: ${_status}")
  endif()
  file(REMOVE_RECURSE ${_ui})
  file(MAKE_DIRECTORY ${_ui})
  file(ARCHIVE_EXTRACT INPUT ${_tgz} DESTINATION ${CMAKE_BINARY_DIR}/docs-ui-package)
  foreach(_n IN LISTS _names)
    file(COPY_FILE ${CMAKE_BINARY_DIR}/docs-ui-package/package/${_n} ${_ui}/${_n})
  endforeach()
  file(REMOVE_RECURSE ${CMAKE_BINARY_DIR}/docs-ui-package)
  file(REMOVE ${_tgz})
  file(TOUCH ${_ui}/${REGENT_SWAGGER_UI_VERSION}.stamp)
endif()
set(REGENT_SWAGGER_UI_FILES ${_names})
list(TRANSFORM REGENT_SWAGGER_UI_FILES PREPEND ${_ui}/)
