# Keyward operator image. Build the jar first, then the image:
#   ./mvnw -B -DskipTests package && docker build -t ghcr.io/keyward/keyward:0.1.0 .
# The JRE matches the Java 17 the project compiles for; bump the pinned tag deliberately.
FROM eclipse-temurin:17.0.15_6-jre

LABEL org.opencontainers.image.title="keyward" \
      org.opencontainers.image.description="Kubernetes operator that manages credentials as custom resources"

# keyward-slim.jar: every command but `dev`, without kube-api-test and the test libraries it
# brings (Bouncy Castle, commons-compress/io/codec): 32.8 MB instead of 44.4 MB.
# Root-owned and read-only for the runtime user; the chart mounts a writable emptyDir at /tmp
# and runs with a read-only root filesystem.
COPY target/keyward-slim.jar /app/keyward.jar

# Unprivileged, numeric so runAsNonRoot can verify it (the chart runs as 65532 too).
USER 65532:65532
EXPOSE 8080

ENTRYPOINT ["java", "-jar", "/app/keyward.jar"]
CMD ["operator"]
