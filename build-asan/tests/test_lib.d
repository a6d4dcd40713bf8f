build-asan/tests/test_lib: tests/unit/test_lib.c src/core/config.h \
 src/lib/buf.h src/lib/dirscan.h src/lib/procfile.h src/lib/strparse.h \
 src/lib/regex.h tests/unit/t.h
src/core/config.h:
src/lib/buf.h:
src/lib/dirscan.h:
src/lib/procfile.h:
src/lib/strparse.h:
src/lib/regex.h:
tests/unit/t.h:
