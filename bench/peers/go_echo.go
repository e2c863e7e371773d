// go_echo [ADDRESS]  (default 127.0.0.1:7005)
//
// Peer for bench/run: the Go way, a goroutine per connection doing blocking Read and Write
// on a net.Conn (Go's netpoller parks the goroutine). Defaults everywhere: GOMAXPROCS is the
// number of CPUs the process may use (1 when bench/run pins it), TCP_NODELAY is Go's default.
// A 4 KiB buffer per connection, as in every server of the suite (io.Copy would splice
// socket to socket through a pipe on Linux, a different job).
package main

import (
	"fmt"
	"net"
	"os"
)

func echo(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		if _, err := c.Write(buf[:n]); err != nil {
			return
		}
	}
}

func main() {
	address := "127.0.0.1:7005"
	if len(os.Args) > 1 {
		address = os.Args[1]
	}
	ln, err := net.Listen("tcp", address)
	if err != nil {
		fmt.Fprintln(os.Stderr, "go_echo:", err)
		os.Exit(1)
	}
	fmt.Println("go_echo: listening on", address)
	for {
		c, err := ln.Accept()
		if err != nil {
			continue
		}
		go echo(c)
	}
}
