# The recurrent language model of PyTorch's word_language_model example: a 2-layer LSTM over
# 200-dimensional word embeddings of a 1000-word vocabulary, with the decoder tied to the
# embedding. Input: 35 time steps of 20 sequences of word indices (seq_len x batch) and the
# initial (h, c); output: log-probabilities (700 x 1000) and the final (h, c).
import torch
import torch.nn as nn
import torch.nn.functional as F


class RNNModel(nn.Module):
    """An embedding, a stack of recurrent layers, and a linear decoder back to the vocabulary."""

    def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.5, tie_weights=False):
        super(RNNModel, self).__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        if rnn_type in ['LSTM', 'GRU']:
            self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
        else:
            try:
                nonlinearity = {'RNN_TANH': 'tanh', 'RNN_RELU': 'relu'}[rnn_type]
            except KeyError:
                raise ValueError("rnn_type must be one of 'LSTM', 'GRU', 'RNN_TANH' or 'RNN_RELU'")
            self.rnn = nn.RNN(ninp, nhid, nlayers, nonlinearity=nonlinearity, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)

        # Weight tying (Press & Wolf 2017; Inan et al. 2017): the decoder reuses the embedding
        # matrix, which only fits when the hidden size equals the embedding size.
        if tie_weights:
            if nhid != ninp:
                raise ValueError('tie_weights needs nhid == ninp (the embedding size)')
            self.decoder.weight = self.encoder.weight

        self.init_weights()

        self.rnn_type = rnn_type
        self.nhid = nhid
        self.nlayers = nlayers

    def init_weights(self):
        initrange = 0.1
        nn.init.uniform_(self.encoder.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))  # (seq_len, batch, ninp)
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output)
        decoded = decoded.view(-1, self.ntoken)  # one row per (time step, sequence)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        # any parameter will do: it only supplies the dtype and device of the zeros
        weight = next(self.parameters())
        if self.rnn_type == 'LSTM':
            return (weight.new_zeros(self.nlayers, bsz, self.nhid),
                    weight.new_zeros(self.nlayers, bsz, self.nhid))
        else:
            return weight.new_zeros(self.nlayers, bsz, self.nhid)


model = RNNModel('LSTM', 1000, 200, 200, 2, tie_weights=True)
output, hidden = model(torch.randint(0, 1000, (35, 20)), model.init_hidden(20))
