package fabric

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// announce sends a gratuitous ARP for addr out of a link of the current
// namespace, as a booting VM does, so that neighbours still holding the MAC
// of an earlier NIC with this address (a re-created private endpoint, say)
// learn the new one at once instead of after their cache times out.
func announce(link string, addr netip.Addr) error {
	l, err := netlink.LinkByName(link)
	if err != nil {
		return fmt.Errorf("finding %s: %w", link, err)
	}
	mac := l.Attrs().HardwareAddr
	if len(mac) != 6 || !addr.Is4() {
		return nil
	}
	// Protocol 0: the socket only sends. Closing a packet socket waits for
	// an RCU grace period (milliseconds), which no caller needs to wait for.
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("opening packet socket: %w", err)
	}
	defer func() { go unix.Close(fd) }()
	proto := htons(unix.ETH_P_ARP)
	ip := addr.As4()
	frame := make([]byte, 0, 42)
	frame = append(frame, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff) // to everyone
	frame = append(frame, mac...)
	frame = binary.BigEndian.AppendUint16(frame, unix.ETH_P_ARP)
	frame = append(frame, 0, 1, 8, 0, 6, 4, 0, 1) // ethernet, IPv4, request
	frame = append(frame, mac...)
	frame = append(frame, ip[:]...)
	frame = append(frame, 0, 0, 0, 0, 0, 0) // target MAC unknown
	frame = append(frame, ip[:]...)         // target IP is the sender's own
	to := &unix.SockaddrLinklayer{Protocol: proto, Ifindex: l.Attrs().Index, Halen: 6,
		Addr: [8]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}
	if err := unix.Sendto(fd, frame, 0, to); err != nil {
		return fmt.Errorf("announcing %s on %s: %w", addr, link, err)
	}
	return nil
}

// htons is v in network byte order, as packet sockets want protocols.
func htons(v uint16) uint16 { return binary.NativeEndian.Uint16(binary.BigEndian.AppendUint16(nil, v)) }
