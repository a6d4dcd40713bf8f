build-asan/src/lib/strparse.o: src/lib/strparse.c src/lib/strparse.h
src/lib/strparse.h:
