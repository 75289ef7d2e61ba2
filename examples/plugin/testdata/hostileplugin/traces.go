package main

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The traces one instance leaves for the next. Each is a place a plugin can
// write without any privilege and read back after a restart if the restart
// reuses it.
const (
	traceFile     = "/tmp/plugin-trace" // the sandbox's /tmp
	traceAbstract = "@plugin-trace"     // an abstract unix socket (network namespace)
	traceShmKey   = 0x7ace              // a System V segment (IPC namespace)
	traceMqueue   = "plugin-trace"      // a POSIX message queue (IPC namespace)
	traceLabel    = 0x7ace5             // an IPv6 flow label (network namespace)
	tracePackets  = 777                 // UDP datagrams to 127.0.0.1:9 (network namespace counters)
)

// traceDst is the 16 bytes of the plugin's choosing a flow label carries,
// listed in /proc/net/ip6_flowlabel for the label's linger time.
var traceDst = [16]byte{'p', 'l', 'u', 'g', 'i', 'n', '-', 'w', 'a', 's', '-', 'h', 'e', 'r', 'e', '!'}

// Found is what "look" reports, as JSON.
type Found struct {
	File      bool   `json:"file"`
	Abstract  bool   `json:"abstract"`
	Shm       bool   `json:"shm"`
	Mqueue    bool   `json:"mqueue"`
	FlowLabel bool   `json:"flow_label"`
	UDPOut    uint64 `json:"udp_out"`    // /proc/net/snmp Udp OutDatagrams
	LoPackets uint64 `json:"lo_packets"` // /proc/net/dev lo received packets
	Errors    string `json:"errors,omitempty"`
}

// abstractFD keeps the abstract socket bound while this instance lives.
var abstractFD = -1

// leaveTraces leaves every trace and reports which it could not leave.
func leaveTraces() string {
	var errs []string
	fail := func(what string, err error) {
		if err != nil {
			errs = append(errs, what+": "+err.Error())
		}
	}
	fail("file", os.WriteFile(traceFile, []byte("was here"), 0o644))

	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err == nil {
		err = unix.Bind(fd, &unix.SockaddrUnix{Name: traceAbstract})
		if err == nil {
			err = unix.Listen(fd, 1)
		}
		abstractFD = fd
	}
	fail("abstract", err)

	_, _, errno := unix.Syscall(unix.SYS_SHMGET, traceShmKey, 4096, unix.IPC_CREAT|0o666)
	fail("shm", errnoErr(errno))

	name, _ := unix.BytePtrFromString(traceMqueue)
	mq, _, errno := unix.Syscall6(unix.SYS_MQ_OPEN, uintptr(unsafe.Pointer(name)), unix.O_CREAT|unix.O_RDWR, 0o666, 0, 0, 0)
	fail("mqueue", errnoErr(errno))
	if errno == 0 {
		unix.Close(int(mq))
	}

	fail("flow label", leaveFlowLabel())

	udp, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
	if err == nil {
		to := &unix.SockaddrInet4{Port: 9, Addr: [4]byte{127, 0, 0, 1}}
		for range tracePackets {
			unix.Sendto(udp, []byte("x"), 0, to) // ECONNREFUSED now and then: the port is closed
		}
		unix.Close(udp)
	}
	fail("udp", err)
	if len(errs) > 0 {
		return "not all left: " + strings.Join(errs, "; ")
	}
	return "left"
}

// leaveFlowLabel asks for an IPv6 flow label that lingers 150 s (the most
// an unprivileged process may ask) after its socket is closed.
func leaveFlowLabel() error {
	fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_DGRAM, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	// struct in6_flowlabel_req (linux/in6.h)
	var req [32]byte
	copy(req[0:16], traceDst[:])
	binary.BigEndian.PutUint32(req[16:20], traceLabel)
	req[20] = 0                                    // flr_action: IPV6_FL_A_GET
	req[21] = 255                                  // flr_share: IPV6_FL_S_ANY
	binary.NativeEndian.PutUint16(req[22:24], 1)   // flr_flags: IPV6_FL_F_CREATE
	binary.NativeEndian.PutUint16(req[24:26], 150) // flr_expires, seconds
	binary.NativeEndian.PutUint16(req[26:28], 150) // flr_linger, seconds
	const ipv6FlowlabelMgr = 32                    // IPV6_FLOWLABEL_MGR, linux/in6.h
	_, _, errno := unix.Syscall6(unix.SYS_SETSOCKOPT, uintptr(fd), unix.IPPROTO_IPV6, ipv6FlowlabelMgr,
		uintptr(unsafe.Pointer(&req[0])), uintptr(len(req)), 0)
	return errnoErr(errno)
}

// lookForTraces reports, as JSON, which traces this instance finds.
func lookForTraces() string {
	var f Found
	_, err := os.Stat(traceFile)
	f.File = err == nil

	unixTable, _ := os.ReadFile("/proc/net/unix")
	f.Abstract = bytes.Contains(unixTable, []byte(traceAbstract))

	_, _, errno := unix.Syscall(unix.SYS_SHMGET, traceShmKey, 0, 0)
	f.Shm = errno == 0

	name, _ := unix.BytePtrFromString(traceMqueue)
	mq, _, errno := unix.Syscall6(unix.SYS_MQ_OPEN, uintptr(unsafe.Pointer(name)), unix.O_RDONLY, 0, 0, 0, 0)
	if f.Mqueue = errno == 0; f.Mqueue {
		unix.Close(int(mq))
	}

	labels, _ := os.ReadFile("/proc/net/ip6_flowlabel")
	f.FlowLabel = bytes.Contains(labels, []byte(hex.EncodeToString(traceDst[:])))

	f.UDPOut = snmpField("Udp:", "OutDatagrams")
	f.LoPackets = loPackets()
	b, _ := json.Marshal(f)
	return string(b)
}

// snmpField reads one counter of /proc/net/snmp, where each protocol has a
// line of names and a line of values.
func snmpField(proto, name string) uint64 {
	b, _ := os.ReadFile("/proc/net/snmp")
	var names []string
	for _, line := range strings.Split(string(b), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || fields[0] != proto {
			continue
		}
		if names == nil {
			names = fields
			continue
		}
		for i, n := range names {
			if n == name && i < len(fields) {
				v, _ := strconv.ParseUint(fields[i], 10, 64)
				return v
			}
		}
	}
	return 0
}

// loPackets reads the loopback interface's received packets.
func loPackets() uint64 {
	b, _ := os.ReadFile("/proc/net/dev")
	for _, line := range strings.Split(string(b), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(name) == "lo" {
			fields := strings.Fields(rest)
			if len(fields) > 1 {
				v, _ := strconv.ParseUint(fields[1], 10, 64)
				return v
			}
		}
	}
	return 0
}

func errnoErr(e unix.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}
