// SPDX-License-Identifier: GPL-2.0
/*
 * tests/kmod/pcap-send.c - transmit the frames of a pcap file on a network
 * interface, once each, in file order, as fast as the interface takes
 * them: the input of the engine-parity test (tests/kmod/parity.sh) and of
 * the kernel benchmarks. libpcap reads the file (pcap_open_offline(3PCAP))
 * and sends through an AF_PACKET socket (pcap_open_live(3PCAP) +
 * pcap_inject(3PCAP)).
 *
 * usage: lana-pcap-send FILE IFNAME [LOOPS]
 * Prints "sent N" and exits 0 when every frame was sent, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>

#include <pcap/pcap.h>

int main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	unsigned long loops = 1, l, sent = 0, failed = 0;
	pcap_t *out;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: %s FILE IFNAME [LOOPS]\n", argv[0]);
		return 2;
	}
	if (argc == 4)
		loops = strtoul(argv[3], NULL, 10);
	out = pcap_open_live(argv[2], 65535, 0, 1, errbuf);
	if (!out) {
		fprintf(stderr, "%s: %s\n", argv[2], errbuf);
		return 1;
	}
	for (l = 0; l < loops; l++) {
		struct pcap_pkthdr *h;
		const unsigned char *data;
		pcap_t *in = pcap_open_offline(argv[1], errbuf);
		int r;

		if (!in) {
			fprintf(stderr, "%s: %s\n", argv[1], errbuf);
			pcap_close(out);
			return 1;
		}
		while ((r = pcap_next_ex(in, &h, &data)) == 1) {
			if (pcap_inject(out, data, h->caplen) == (int)h->caplen)
				sent++;
			else
				failed++;
		}
		pcap_close(in);
	}
	pcap_close(out);
	printf("sent %lu\n", sent);
	if (failed)
		fprintf(stderr, "%lu frames not sent\n", failed);
	return failed ? 1 : 0;
}
