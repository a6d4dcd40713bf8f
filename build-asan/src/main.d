build-asan/src/main.o: src/main.c src/core/agent.h src/core/collector.h \
 src/core/config.h src/expo/sink.h src/lib/buf.h src/lib/strparse.h \
 src/core/config.h src/core/scrape.h src/core/agent.h src/expo/render.h \
 src/http/server.h src/core/scrape.h src/lib/log.h
src/core/agent.h:
src/core/collector.h:
src/core/config.h:
src/expo/sink.h:
src/lib/buf.h:
src/lib/strparse.h:
src/core/config.h:
src/core/scrape.h:
src/core/agent.h:
src/expo/render.h:
src/http/server.h:
src/core/scrape.h:
src/lib/log.h:
