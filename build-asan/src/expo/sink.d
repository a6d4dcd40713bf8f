build-asan/src/expo/sink.o: src/expo/sink.c src/expo/sink.h src/lib/buf.h \
 src/lib/strparse.h
src/expo/sink.h:
src/lib/buf.h:
src/lib/strparse.h:
