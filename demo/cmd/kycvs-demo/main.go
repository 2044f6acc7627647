// Command kycvs-demo serves the demo entities (railway booking, hotel
// check-in) on their own origin, talking to a KYC-VS service.
package main

import (
	"flag"
	"log"
	"net/http"

	"github.com/kycvs/kycvs/demo"
)

func main() {
	addr := flag.String("addr", "localhost:8788", "listen address (a different origin than the service)")
	service := flag.String("service", "http://127.0.0.1:8787", "KYC-VS service origin")
	railway := flag.String("railway", "ent_demo_railway", "entity id of the railway site")
	hotel := flag.String("hotel", "ent_demo_hotel", "entity id of the hotel site")
	flag.Parse()
	srv := demo.New(demo.Config{Service: *service, Railway: *railway, Hotel: *hotel})
	log.Printf("demo entities: http://%s/railway and http://%s/hotel (service %s)", *addr, *addr, *service)
	log.Fatal(http.ListenAndServe(*addr, srv))
}
