build-asan/src/lib/dirscan.o: src/lib/dirscan.c src/lib/dirscan.h \
 src/lib/procfile.h src/lib/strparse.h
src/lib/dirscan.h:
src/lib/procfile.h:
src/lib/strparse.h:
