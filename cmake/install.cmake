# Packaging (docs/packaging.md): the shared library, the Lua module for the
# stock lua5.4 interpreter, and `make install`: the runner, the shared
# library and headers, the CMake package (find_package(lua_batteries
# CONFIG) -> lua_batteries::lua_batteries), lua-batteries.pc, the Lua module
# and the man page. Included from CMakeLists.txt after the library and the
# runner are defined.
#
# LB_LUAROCKS (rockspecs/lua-batteries-scm-1.rockspec) installs the Lua
# module into LB_LUA_CMOD_DIR and the runner only: LuaRocks deploys
# everything a rock puts in its lib directory as Lua modules.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

option(LB_LUAROCKS "Install only the Lua module and the runner (LuaRocks build)" OFF)
# Lua 5.4's standard C module directory under the prefix (LUA_CDIR of
# luaconf.h): /usr/local/lib/lua/5.4 is in the stock package.cpath.
set(LB_LUA_CMOD_DIR "lib/lua/5.4" CACHE STRING "Where the Lua module is installed (relative to the prefix, or absolute)")

# The shared library and the Lua module are made of the static library's
# objects, so those are position-independent. Without semantic
# interposition the compiler still inlines and calls directly between the
# library's own functions, as it does without -fPIC (nobody interposes
# them: the module hides them, the shared library binds them locally).
set_target_properties(lua_batteries PROPERTIES POSITION_INDEPENDENT_CODE ON)
target_compile_options(lua_batteries PRIVATE -fno-semantic-interposition)

# The installed package's users find Lua and libuv again through pkg-config
# (lua_batteries-config.cmake); these imported targets carry the same names
# there, under a prefix of ours so as not to touch a user's LUA_* variables.
pkg_check_modules(lua_batteries_lua REQUIRED QUIET IMPORTED_TARGET lua5.4)
pkg_check_modules(lua_batteries_uv REQUIRED QUIET IMPORTED_TARGET libuv)
# lua_batteries/sql.hpp includes sqlite3.h; libcurl is the library's own.
pkg_check_modules(lua_batteries_sqlite3 REQUIRED QUIET IMPORTED_TARGET sqlite3)

# --- liblua_batteries.so -----------------------------------------------------
add_library(lua_batteries_shared SHARED $<TARGET_OBJECTS:lua_batteries>)
set_target_properties(lua_batteries_shared PROPERTIES
  OUTPUT_NAME lua_batteries
  EXPORT_NAME lua_batteries
  VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR})
target_include_directories(lua_batteries_shared PUBLIC
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
  $<BUILD_INTERFACE:${LB_GENERATED_INCLUDE}>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_link_libraries(lua_batteries_shared PUBLIC PkgConfig::lua_batteries_lua PkgConfig::lua_batteries_uv
  PkgConfig::lua_batteries_sqlite3 PRIVATE PkgConfig::CURL)
# The public headers need C++17 (the library itself is C++20).
target_compile_features(lua_batteries_shared PUBLIC cxx_std_17)

# --- lua_batteries.so, the Lua module ------------------------------------------
# Built into <build>/lua/, so that LUA_CPATH="<build>/lua/?.so" finds it.
# It links no Lua library: the interpreter that loads it provides the Lua
# API (Debian's lua5.4 exports it from the executable, as Debian's
# lua-cqueues and lua-luv modules expect); linking liblua5.4 too would give
# the process two Lua implementations sharing one state.
file(GLOB LB_MODULE_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tools/lua_module/*.cpp)
add_library(lua_batteries_module MODULE ${LB_MODULE_SOURCES} $<TARGET_OBJECTS:lua_batteries>)
set_target_properties(lua_batteries_module PROPERTIES
  OUTPUT_NAME lua_batteries
  PREFIX ""
  LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lua
  LINK_DEPENDS ${PROJECT_SOURCE_DIR}/tools/lua_module/exports.map)
target_include_directories(lua_batteries_module PRIVATE
  ${PROJECT_SOURCE_DIR}/include
  ${LB_GENERATED_INCLUDE}
  $<TARGET_PROPERTY:PkgConfig::LUA,INTERFACE_INCLUDE_DIRECTORIES>)
target_link_libraries(lua_batteries_module PRIVATE PkgConfig::LIBUV PkgConfig::SQLITE3 PkgConfig::CURL)
target_link_options(lua_batteries_module PRIVATE
  -Wl,--version-script=${PROJECT_SOURCE_DIR}/tools/lua_module/exports.map)

# --- install ---------------------------------------------------------------------
install(TARGETS lua-batteries RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS lua_batteries_module LIBRARY DESTINATION ${LB_LUA_CMOD_DIR})
if(NOT LB_LUAROCKS)
  install(TARGETS lua_batteries_shared EXPORT lua_batteries-targets
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/lua_batteries DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(FILES ${LB_GENERATED_INCLUDE}/lua_batteries/version.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/lua_batteries)

  set(LB_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/lua_batteries)
  install(EXPORT lua_batteries-targets NAMESPACE lua_batteries:: DESTINATION ${LB_CMAKE_DIR})
  configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/lua_batteries-config.cmake.in
    ${CMAKE_BINARY_DIR}/lua_batteries-config.cmake INSTALL_DESTINATION ${LB_CMAKE_DIR})
  # 0.x: a minor version may break the API.
  write_basic_package_version_file(${CMAKE_BINARY_DIR}/lua_batteries-config-version.cmake
    COMPATIBILITY SameMinorVersion)
  install(FILES ${CMAKE_BINARY_DIR}/lua_batteries-config.cmake
    ${CMAKE_BINARY_DIR}/lua_batteries-config-version.cmake DESTINATION ${LB_CMAKE_DIR})

  # The .pc file finds the prefix from its own place (${pcfiledir}), so it
  # stays right for `cmake --install --prefix` and relocated trees.
  set(LB_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
  file(RELATIVE_PATH LB_PC_TO_PREFIX /${LB_PC_DIR} /)
  string(REGEX REPLACE "/$" "" LB_PC_TO_PREFIX "${LB_PC_TO_PREFIX}")
  configure_file(${PROJECT_SOURCE_DIR}/cmake/lua-batteries.pc.in ${CMAKE_BINARY_DIR}/lua-batteries.pc @ONLY)
  install(FILES ${CMAKE_BINARY_DIR}/lua-batteries.pc DESTINATION ${LB_PC_DIR})

  install(FILES ${PROJECT_SOURCE_DIR}/docs/man/lua-batteries.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()
