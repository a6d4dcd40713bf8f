build-asan/src/lib/regex.o: src/lib/regex.c src/lib/regex.h
src/lib/regex.h:
