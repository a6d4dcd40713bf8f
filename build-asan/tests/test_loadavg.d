build-asan/tests/test_loadavg: tests/unit/test_loadavg.c \
 src/collectors/loadavg.h src/expo/sink.h src/lib/buf.h \
 src/lib/strparse.h tests/unit/harness.h src/core/agent.h \
 src/core/collector.h src/core/config.h src/expo/render.h src/lib/log.h \
 tests/unit/t.h
src/collectors/loadavg.h:
src/expo/sink.h:
src/lib/buf.h:
src/lib/strparse.h:
tests/unit/harness.h:
src/core/agent.h:
src/core/collector.h:
src/core/config.h:
src/expo/render.h:
src/lib/log.h:
tests/unit/t.h:
