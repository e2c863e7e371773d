// go_http [ADDRESS]  (default 127.0.0.1:8005)
//
// Peer for bench/run: net/http with defaults, GET /hello answers 200 with the 13-byte body
// "Hello, World!" and Content-Type text/plain, as the weft and nginx servers do.
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
)

func main() {
	address := "127.0.0.1:8005"
	if len(os.Args) > 1 {
		address = os.Args[1]
	}
	body := []byte("Hello, World!")
	http.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
	})
	ln, err := net.Listen("tcp", address)
	if err != nil {
		fmt.Fprintln(os.Stderr, "go_http:", err)
		os.Exit(1)
	}
	fmt.Println("go_http: listening on", address)
	if err := http.Serve(ln, nil); err != nil {
		fmt.Fprintln(os.Stderr, "go_http:", err)
		os.Exit(1)
	}
}
