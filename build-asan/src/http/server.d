build-asan/src/http/server.o: src/http/server.c src/http/server.h \
 src/core/config.h src/core/scrape.h src/core/agent.h \
 src/core/collector.h src/expo/sink.h src/lib/buf.h src/lib/strparse.h \
 src/expo/render.h src/lib/log.h
src/http/server.h:
src/core/config.h:
src/core/scrape.h:
src/core/agent.h:
src/core/collector.h:
src/expo/sink.h:
src/lib/buf.h:
src/lib/strparse.h:
src/expo/render.h:
src/lib/log.h:
