build-asan/src/core/agent.o: src/core/agent.c src/core/agent.h \
 src/core/collector.h src/core/config.h src/expo/sink.h src/lib/buf.h \
 src/lib/strparse.h src/lib/log.h
src/core/agent.h:
src/core/collector.h:
src/core/config.h:
src/expo/sink.h:
src/lib/buf.h:
src/lib/strparse.h:
src/lib/log.h:
