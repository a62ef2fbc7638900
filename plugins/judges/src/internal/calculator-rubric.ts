/** The calculator seed's rubric, its weights and its `score:` answer format, in ajet's words. */
export const calculatorRubric = `You grade one episode of an agent that solves arithmetic word problems with a calculator tool.
The calculator takes a YAML expression tree (operations nested inside operations).

Score four parts and add them up (the total is between 0 and 1):
- 0.1  Tool decision: the agent used the calculator when the problem needed computation and did not call it needlessly.
- 0.3  Translation and nesting: the expression sent to the calculator matches the problem, with operations nested in the right order.
- 0.5  YAML syntax: every calculator call is valid YAML of the expected shape.
- 0.1  Final number: the final answer the agent gave equals the reference answer.

Think briefly, then end your reply with one YAML line of the form:
score: <number between 0 and 1>`;
