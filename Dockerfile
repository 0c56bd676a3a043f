# syntax=docker/dockerfile:1
#
# tollgate as a non-root, shell-less image. The embedded ClickHouse engine (libchdb) is
# loaded at run time through purego and only by `tollgate up`; the services of this
# image talk to a ClickHouse server (clickhouse.mode: server), so the build needs no C
# toolchain (CGO_ENABLED=0) and the image carries no libchdb.so.
#
# CGO_ENABLED=0 does not make this binary static: purego imports dlopen from libc
# through the dynamic loader, so the binary needs glibc and ld-linux at run time
# (`ldd tollgate` lists libc, libdl, libpthread). distroless/static has no libc and
# the binary would not start there; distroless/base has glibc and nothing else.
#
#   docker build -t tollgate/tollgate:dev .
#   docker run --rm tollgate/tollgate:dev version

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=linux go build -trimpath -buildvcs=false \
      -ldflags="-s -w" -o /out/tollgate ./cmd/tollgate \
 && /out/tollgate version

# distroless/base: glibc, CA certificates, /etc/passwd with the nonroot user (65532),
# no shell. Health checks therefore run `tollgate healthcheck URL`, not curl.
FROM gcr.io/distroless/base-debian12:nonroot
COPY --from=build /out/tollgate /usr/local/bin/tollgate
USER 65532:65532
EXPOSE 8080 9101 9102
ENTRYPOINT ["/usr/local/bin/tollgate"]
CMD ["--help"]
