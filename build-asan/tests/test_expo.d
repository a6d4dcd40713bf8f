build-asan/tests/test_expo: tests/unit/test_expo.c src/expo/render.h \
 src/expo/sink.h src/lib/buf.h src/lib/strparse.h tests/unit/t.h
src/expo/render.h:
src/expo/sink.h:
src/lib/buf.h:
src/lib/strparse.h:
tests/unit/t.h:
