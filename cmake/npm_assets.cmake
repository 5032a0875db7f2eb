# The API explorer's files (Swagger UI at /docs, ReDoc at /redoc), from npm's registry, each package
# pinned by the sha512 integrity npm publishes for it, fetched once per build tree and embedded in
# the binary, so nothing is loaded from elsewhere at run time. Sets REGENT_DOCS_UI_FILES to the
# files to embed, all in ${CMAKE_BINARY_DIR}/docs-ui (served as /docs/<name>).
set(_ui ${CMAKE_BINARY_DIR}/docs-ui)
set(REGENT_DOCS_UI_FILES "")

# regent_npm_files(PACKAGE VERSION SHA512 [FROM AS]...): copies each FROM (a path in the package) to
# docs-ui/AS.
function(regent_npm_files package version sha512)
  set(stamp ${_ui}/${package}-${version}.stamp)
  set(pairs ${ARGN})
  if(NOT EXISTS ${stamp})
    message(STATUS "Fetching ${package} ${version} from registry.npmjs.org")
    set(tgz ${CMAKE_BINARY_DIR}/${package}-${version}.tgz)
    file(DOWNLOAD https://registry.npmjs.org/${package}/-/${package}-${version}.tgz ${tgz}
         EXPECTED_HASH SHA512=${sha512} TLS_VERIFY ON STATUS status)
    list(GET status 0 code)
    if(NOT code EQUAL 0)
      message(FATAL_ERROR "could not fetch ${package}: ${status}")
    endif()
    set(unpacked ${CMAKE_BINARY_DIR}/${package}-package)
    file(REMOVE_RECURSE ${unpacked})
    file(ARCHIVE_EXTRACT INPUT ${tgz} DESTINATION ${unpacked})
    file(MAKE_DIRECTORY ${_ui})
    while(pairs)
      list(POP_FRONT pairs from as)
      file(COPY_FILE ${unpacked}/package/${from} ${_ui}/${as})
    endwhile()
    file(REMOVE_RECURSE ${unpacked})
    file(REMOVE ${tgz})
    file(TOUCH ${stamp})
  endif()
  set(pairs ${ARGN})
  set(files ${REGENT_DOCS_UI_FILES})
  while(pairs)
    list(POP_FRONT pairs from as)
    list(APPEND files ${_ui}/${as})
  endwhile()
  set(REGENT_DOCS_UI_FILES ${files} PARENT_SCOPE)
endfunction()

regent_npm_files(swagger-ui-dist 5.35.0
  534eaba4cb56f55dd73c638179a993512af4674f63317e0826e00da44fc465b021c341bc0a0c2bcd4e18997927fe1d3008336c5dd19aad334d1c2dec53cc9551
  swagger-ui-bundle.js swagger-ui-bundle.js  swagger-ui.css swagger-ui.css  LICENSE LICENSE  NOTICE NOTICE)
regent_npm_files(redoc 2.5.2
  b1325f22dbd191c0d3a2307ac1d2cde0cf946ba9a5670125576d537fc327ec86d017fd4eb3a1af810a59c8b58f1996476e1cbb182d4eaf58533077f3d6f2a1e4
  bundles/redoc.standalone.js redoc.standalone.js  LICENSE redoc-LICENSE)
