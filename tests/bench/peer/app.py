"""The bench's peer (build.sh bench): the ticket endpoint as a minimal FastAPI service
would write it. Same request and response shape as POST /api/v1/tickets/process,
keyword rules instead of models, no store, no auth check. Run with uvicorn, one worker:

    python3 -m uvicorn app:app --app-dir tests/bench/peer --workers 1 --port PORT
"""
from datetime import datetime, timezone
from typing import List, Optional

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()

RULES = [  # (keywords, category, subcategory, team, sla hours)
    (("charge", "charged", "refund", "invoice", "billing", "payment"), "billing", "payment_issue", "billing_support", 24),
    (("password", "login", "locked", "account"), "account", "access", "account_support", 24),
    (("error", "crash", "bug", "broken", "slow"), "technical", "bug_report", "tech_support", 48),
]
NEGATIVE = ("twice", "angry", "terrible", "frustrat", "unacceptable", "help")
URGENT = ("urgent", "immediately", "asap", "now")


class Ticket(BaseModel):
    ticket_id: str
    customer_email: str
    customer_name: Optional[str] = None
    raw_message: str


class Triage(BaseModel):
    category: str
    subcategory: str
    priority: str
    sla_hours: int
    suggested_team: str
    sentiment: str
    confidence: float


class Draft(BaseModel):
    greeting: str
    body: str
    closing: str
    tone: str


class Policy(BaseModel):
    refund_promise: bool
    sla_mentioned: bool
    escalation_needed: bool
    compliance: str


class Result(BaseModel):
    ticket_id: str
    timestamp: str
    triage: Triage
    answer_draft: Draft
    citations: List[dict]
    policy_check: Policy


class Answer(BaseModel):
    success: bool
    ticket_id: str
    result: Result


@app.post("/api/v1/tickets/process", response_model=Answer)
def process(t: Ticket) -> Answer:
    text = t.raw_message.lower()
    category, sub, team, sla = "general", "inquiry", "general_support", 72
    for words, c, s, tm, h in RULES:
        if any(w in text for w in words):
            category, sub, team, sla = c, s, tm, h
            break
    negative = any(w in text for w in NEGATIVE)
    priority = "high" if any(w in text for w in URGENT) or negative else "medium"
    name = (t.customer_name or "there").split()[0]
    draft = Draft(greeting=f"Hi {name},",
                  body=f"Thanks for reaching out about your {category} question. "
                       "We are looking into it and will get back to you shortly.",
                  closing="Best regards,\nCustomer Support", tone="empathetic" if negative else "neutral")
    body = draft.body.lower()
    policy = Policy(refund_promise="refund" in body, sla_mentioned="hour" in body,
                    escalation_needed=priority == "high" and negative, compliance="pass")
    result = Result(ticket_id=t.ticket_id, timestamp=datetime.now(timezone.utc).isoformat(),
                    triage=Triage(category=category, subcategory=sub, priority=priority, sla_hours=sla,
                                  suggested_team=team, sentiment="negative" if negative else "neutral",
                                  confidence=0.8),
                    answer_draft=draft, citations=[], policy_check=policy)
    return Answer(success=True, ticket_id=t.ticket_id, result=result)
