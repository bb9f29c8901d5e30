-- wrk script: POST the seed's ticket with the bearer token from the environment.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("CS_BENCH_TOKEN")
wrk.body = '{"customer_email":"john.doe@example.com","customer_name":"John Doe",' ..
           '"raw_message":"I was charged twice for my subscription this month. Please help!",' ..
           '"ticket_id":"TKT-2025-001"}'
