/** The rows of the generated project's tiny dataset (from ajet's calculator tutorial). */
export const TRAIN_ROWS: readonly string[] = [
  '{"question": "What is 51 times 78 minus 53 times 33?", "answer": "2229"}',
  '{"question": "What is 5290 plus 89179 minus 721", "answer": "93748"}',
  '{"question": "Add 943, 47852, 2388, 750, 10, 876, 7138 and 62592.", "answer": "122549"}',
  '{"question": "Calculate 8546 minus 517 plus 613 minus 86989?", "answer": "-78347"}',
  '{"question": "Find the product of 741, 957 and the sum of 151 and 58", "answer": "148209633"}',
  '{"question": "Calculate 516 minus 6200 plus 780 plus 95 plus 7755", "answer": "2946"}',
  '{"question": "Multiply 98, 62, 89 and 95.", "answer": "51372580"}',
  '{"question": "Calculate 45186 plus 2267 plus 5926 minus 893 plus 86?", "answer": "52572"}',
  '{"question": "Calculate 2615 minus 24 minus 6671 minus 72002 minus 21294 plus 21?", "answer": "-97355"}',
  '{"question": "What is 44 times 49 plus 350 times 110?", "answer": "40656"}',
  '{"question": "Find the product of 50, 99 and the sum of 19 and 21", "answer": "198000"}',
  '{"question": "Compute the difference of 447 and 40, times the sum of 22 and 47", "answer": "28083"}',
  '{"question": "How much is 445 plus 90490 plus 36193 plus 352 minus 79", "answer": "127401"}',
  '{"question": "Calculate 12162 minus 38220 minus 11 minus 713 minus 58716", "answer": "-85498"}',
];

export const VALIDATION_ROWS: readonly string[] = [
  '{"question": "Calculate 29 divided by 31 plus 169 divided by 659", "answer": "1.1919330363698664"}',
  '{"question": "Find the product of 75, 575 and the sum of 479 and 76", "answer": "23934375"}',
  '{"question": "What is the sum of 41 and 342, multiplied by the sum of 574 and 51?", "answer": "239375"}',
  '{"question": "What is the sum of 82, 396, 1544, 3504, 2321, 86731 and 41502?", "answer": "136080"}',
];
