# sonde as a container: one static binary (no cgo), on distroless's static
# image, as a non-root user. Build: docker build -t sonde .
# It is what `sonde kube manifest --image` expects: sonde as the entrypoint.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/sonde ./cmd/sonde

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/sonde /usr/local/bin/sonde
USER nonroot:nonroot
ENV HOME=/tmp
ENTRYPOINT ["/usr/local/bin/sonde"]
