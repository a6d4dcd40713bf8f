build-asan/src/collectors/loadavg.o: src/collectors/loadavg.c \
 src/collectors/loadavg.h src/expo/sink.h src/lib/buf.h \
 src/lib/strparse.h src/core/collector.h src/core/config.h \
 src/lib/procfile.h
src/collectors/loadavg.h:
src/expo/sink.h:
src/lib/buf.h:
src/lib/strparse.h:
src/core/collector.h:
src/core/config.h:
src/lib/procfile.h:
