build-asan/src/expo/accept.o: src/expo/accept.c src/expo/render.h \
 src/expo/sink.h src/lib/buf.h src/lib/strparse.h
src/expo/render.h:
src/expo/sink.h:
src/lib/buf.h:
src/lib/strparse.h:
