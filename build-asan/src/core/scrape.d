build-asan/src/core/scrape.o: src/core/scrape.c src/core/scrape.h \
 src/core/agent.h src/core/collector.h src/core/config.h src/expo/sink.h \
 src/lib/buf.h src/lib/strparse.h src/expo/render.h
src/core/scrape.h:
src/core/agent.h:
src/core/collector.h:
src/core/config.h:
src/expo/sink.h:
src/lib/buf.h:
src/lib/strparse.h:
src/expo/render.h:
