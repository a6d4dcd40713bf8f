build-asan/src/expo/render.o: src/expo/render.c src/expo/render.h \
 src/expo/sink.h src/lib/buf.h src/lib/strparse.h
src/expo/render.h:
src/expo/sink.h:
src/lib/buf.h:
src/lib/strparse.h:
