build-asan/src/lib/procfile.o: src/lib/procfile.c src/lib/procfile.h \
 src/lib/strparse.h
src/lib/procfile.h:
src/lib/strparse.h:
