"""Connects to BOOTSTRAP over TLS through kafka.so, with the kafkaso
package from the release's wheel, trusting the CA file given (or '-' for
the built-in OpenSSL's defaults), and sends one message that nobody will
acknowledge: tests/dist/run.sh reads the server's side of the handshake.

    python3 tls_client.py BOOTSTRAP CA
"""
import sys

from kafkaso import Producer

bootstrap, ca = sys.argv[1:3]
config = {"bootstrap.servers": bootstrap, "security.protocol": "ssl", "message.timeout.ms": "1500"}
if ca != "-":
    config["ssl.ca.location"] = ca
producer = Producer(config)
producer.produce("tls", b"hello")
producer.flush(5)  # the message times out: the server speaks TLS, not Kafka
