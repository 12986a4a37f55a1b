# Pier in a container: the pier binary on Debian, with git and the PostgreSQL
# client. Use with docker-compose.yml (an external PostgreSQL via DATABASE_URL).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN make build

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates git \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/bin/pier /usr/local/bin/pier
ENV PIER_DATA_DIR=/var/lib/pier PIER_API_ADDR=:5000 PIER_ROUTER_ADDR=:8080
VOLUME /var/lib/pier
EXPOSE 5000 8080
ENTRYPOINT ["pier"]
CMD ["server"]
