build-asan/gen/collectors_list.o: build-asan/gen/collectors_list.c \
 src/core/collector.h src/core/config.h src/expo/sink.h src/lib/buf.h \
 src/lib/strparse.h
src/core/collector.h:
src/core/config.h:
src/expo/sink.h:
src/lib/buf.h:
src/lib/strparse.h:
