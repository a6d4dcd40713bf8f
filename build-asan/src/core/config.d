build-asan/src/core/config.o: src/core/config.c src/core/config.h \
 src/core/collector.h src/expo/sink.h src/lib/buf.h src/lib/strparse.h \
 src/lib/regex.h
src/core/config.h:
src/core/collector.h:
src/expo/sink.h:
src/lib/buf.h:
src/lib/strparse.h:
src/lib/regex.h:
